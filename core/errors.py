class ActionNotAllowed(Exception):
    """A write the object's current state does not allow (a workflow move, a locked record)."""
