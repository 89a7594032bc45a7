"""permitclock: the compliance clock for environmental permits (IGP Level status, ERA deadlines, notices)."""

__version__ = "0.1.0"
