"""ragtime core: PDFs in, grounded answers with citations out. No Slack, no Celery."""

__version__ = "0.1.0"
