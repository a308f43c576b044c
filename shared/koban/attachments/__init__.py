"""Photos attached to reports: checked, stripped of EXIF/GPS metadata before storage, kept per tenant in S3."""
