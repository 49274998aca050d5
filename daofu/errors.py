"""The one base class for failures that are the user's to fix.

Every part raises a subclass of :class:`DaofuError` with a message that says what was wrong,
where, and what to do. The ``daofu`` command prints that message on one line and exits non-zero;
anything else is a bug and keeps its traceback.
"""


class DaofuError(Exception):
    """An expected failure with a message meant for the person running the command."""
