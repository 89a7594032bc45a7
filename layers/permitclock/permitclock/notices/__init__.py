"""The notices layer: reminder policy and schedule, recipients, digests, email and calendar rendering, MIME.

Everything here is pure (no I/O, no clock reads): the sweep and the notifier pass dates and data in.
Sending is `permitclock.adapters.mailer`. See docs/notices.md.
"""
