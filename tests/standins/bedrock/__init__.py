"""A local stand-in of the Amazon Bedrock Runtime API for tests, reached by real boto3.

Usage::

    with BedrockStandIn() as bedrock:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", bedrock.url)
        bedrock.reply("Staff get 25 days of leave [1].")
        client = boto3.client("bedrock-runtime", region_name="us-east-1")
        client.converse(modelId=..., messages=[...])
"""

from tests.standins.bedrock.standin import BedrockStandIn, Recorded

__all__ = ["BedrockStandIn", "Recorded"]
