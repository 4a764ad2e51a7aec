"""Column layouts of the certification exports."""

from core.spreadsheets import Column

from . import engine


def _criterion(code: str):
    def value(app):
        verdict = app.verdict()
        if verdict is None:
            return "—"
        result = next(c for c in verdict.criteria if c.code == code)
        return f"{result.status_label}：{result.message}"

    return value


def _outcome(app):
    verdict = app.verdict()
    return verdict.outcome_label if verdict else "数据未填完"


APPLICATION_COLUMNS = [
    Column("申报编号", lambda a: a.number, 14),
    Column("认定批次", lambda a: a.cycle.name, 22),
    Column("专业镇", lambda a: a.town.name, 18),
    Column("申报主体", lambda a: a.county.name, 12),
    Column("申报梯次", lambda a: a.get_target_tier_display(), 14),
    Column("领域", lambda a: a.get_sector_display(), 16),
    Column("主导产业", lambda a: a.leading_industry, 14),
    Column("状态", lambda a: a.get_status_display(), 10),
    Column("数据年度", lambda a: a.figures_year, 10),
    Column("年产值（万元）", lambda a: a.annual_output_wan, 14),
    Column("带动当地就业（人）", lambda a: a.local_jobs, 14),
    Column("全省市场占有率（%）", lambda a: a.provincial_share_pct, 14),
    Column("自检结论", _outcome, 16),
    *[Column(engine.CRITERION_LABELS[code], _criterion(code), 40) for code in engine.CRITERIA],
    Column("专家评审（已评/分配）", lambda a: f"{a.reviews_done}/{a.reviews_total}", 14),
]

CERTIFICATE_COLUMNS = [
    Column("证书编号", lambda c: c.number, 24),
    Column("专业镇", lambda c: c.town.name, 18),
    Column("所在县（市、区）", lambda c: c.town.county.name, 14),
    Column("梯次", lambda c: c.tier_label, 18),
    Column("认定批次", lambda c: c.cycle.name, 22),
    Column("认定日期", lambda c: c.issued_on, 12),
    Column("有效期至", lambda c: c.valid_until, 12),
    Column("状态", lambda c: f"已撤销（{c.revoked_on}）" if c.revoked_on else str(c.status_label), 16),
    Column("撤销理由", lambda c: c.revoke_reason, 30),
]


def review_columns(rubric):
    columns = [
        Column("申报编号", lambda a: a.application.number, 14),
        Column("专业镇", lambda a: a.application.town.name, 18),
        Column("专家", lambda a: a.expert.get_full_name() or a.expert.username, 16),
    ]
    for item in rubric:
        columns.append(Column(f"{item.name}（{item.max_score}）", lambda a, pk=item.pk: a.scores.get(str(pk)), 12))
    columns += [
        Column("总分", lambda a: a.total, 8),
        Column("评审建议", lambda a: a.get_recommendation_display(), 14),
        Column("评审意见", lambda a: a.comment, 40),
        Column("评审时间", lambda a: a.reviewed_at.strftime("%Y-%m-%d %H:%M") if a.reviewed_at else "", 16),
    ]
    return columns
