"""The error a request fails with, carrying how each protocol reports it."""

from __future__ import annotations

import grpc


class StandInError(Exception):
    """A request the server would refuse.

    REST answers `http_status` with Weaviate's `{"error": [{"message": ...}]}` body; gRPC aborts
    with `grpc_code` (the server returns plain errors, which gRPC reports as UNKNOWN).
    """

    def __init__(
        self,
        message: str,
        http_status: int = 422,
        grpc_code: grpc.StatusCode = grpc.StatusCode.UNKNOWN,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.grpc_code = grpc_code
