"""The Slack edge: the Bolt app, its listeners, Block Kit builders and entry points.

The bot process never imports torch, sentence-transformers or weaviate, and never
embeds or searches: it records, enqueues and replies.
"""
