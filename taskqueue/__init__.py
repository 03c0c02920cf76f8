"""The queue between the bot and the workers: task names, the Celery app's configuration
and the enqueuer that sends tasks by name. The bot and the worker import this package;
it imports ``ragtime.settings`` and Celery only, never the tasks or any model.
"""
