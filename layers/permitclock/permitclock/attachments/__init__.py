"""The attachment validator: content sniffing and a bounded pypdf check in a child process (no boto3)."""

from permitclock.attachments.pdf import PdfCheck, check_pdf_bytes
from permitclock.attachments.sniff import detect_format
from permitclock.attachments.validate import validate_attachment

__all__ = ["PdfCheck", "check_pdf_bytes", "detect_format", "validate_attachment"]
