"""Photos attached to reports: checked, stripped of EXIF/GPS before storage, kept per tenant in S3."""
