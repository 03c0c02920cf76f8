"""Talking to Slack, for both edges: the Web API client, Block Kit, text, streaming, feedback.

The bot and the worker import this package; it imports ``ragtime`` and slack_sdk only.
"""
