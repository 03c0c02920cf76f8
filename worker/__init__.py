"""The queue edge: the Celery app, thin tasks over ragtime.pipeline, Slack replies from the worker."""
