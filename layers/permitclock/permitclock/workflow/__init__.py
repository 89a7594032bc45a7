"""The ERA report workflow: roles, the report state machine, completion check, extensions, the QISP registry.

Pure functions over `permitclock.domain` models: a command takes the report, the acting member and a clock,
and returns a `ReportChange` (new report, history item, obligation effects, notices) for the caller to
persist.
"""
