"""The annual evaluation's beat row (django-celery-beat), which the office edits on 年度评估 → 自动评估时间."""

from __future__ import annotations

ANNUAL_EVALUATION = "年度评估（评估上一年度）"
ANNUAL_EVALUATION_TASK = "evaluation.scheduled_evaluation"
TIME_ZONE = "Asia/Shanghai"
# 31 January at 02:00, for the previous year
ANNUAL_EVALUATION_DEFAULT = {"minute": "0", "hour": "2", "day_of_month": "31", "month_of_year": "1"}
