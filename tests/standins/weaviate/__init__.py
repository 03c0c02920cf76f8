"""A local stand-in of a Weaviate server for the real weaviate-client v4.

with WeaviateStandIn() as server:
    client = weaviate.connect_to_custom(
        http_host="127.0.0.1", http_port=server.http_port, http_secure=False,
        grpc_host="127.0.0.1", grpc_port=server.grpc_port, grpc_secure=False,
    )
"""

from .server import Recorded, WeaviateStandIn

__all__ = ["Recorded", "WeaviateStandIn"]
