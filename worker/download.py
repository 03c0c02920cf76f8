"""Fetch a shared file from Slack: ``files.info``, then the download with the bot token.

The edge where Slack's and the network's failures are sorted: transient ones go up
to the task's retry boundary untouched; every other one becomes a ``FileRefusedError``
with one sentence for the person who shared the file. The token is sent only to the
allowed file hosts (a redirect anywhere else is refused, not followed) and never logged.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import IO, Any
from urllib.error import HTTPError
from urllib.request import HTTPRedirectHandler, Request, build_opener

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from worker.errors import FileRefusedError, transient_error

_READ_BYTES = 1024 * 1024
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})  # the local Slack stand-in
_SIGN_IN_PAGE = (
    "Slack sent a sign-in page instead of the file; check that the app has the files:read scope."
)
_FILES_INFO_ERRORS = {
    "file_not_found": "This file is no longer in Slack, so it can't be indexed; share it again.",
    "file_deleted": "This file was deleted from Slack, so it can't be indexed; share it again.",
    "missing_scope": "Slack did not let the app read this file; add the files:read scope"
    " to the app and reinstall it.",
}


@dataclass(frozen=True, slots=True)
class SlackFile:
    data: bytes
    name: str
    permalink: str


def fetch_slack_file(
    client: WebClient, *, file_id: str, hosts: frozenset[str], max_bytes: int
) -> SlackFile:
    """The file's bytes and permalink; raises ``FileRefusedError`` for files it won't fetch."""
    info = _file_info(client, file_id)
    url = str(info.get("url_private_download") or info.get("url_private") or "")
    _check_host(url, hosts)
    size = int(info.get("size") or 0)
    if size > max_bytes:
        raise _too_large(size, max_bytes)
    token = client.token or ""
    data = download(url, token=token, hosts=hosts, max_bytes=max_bytes)
    return SlackFile(
        data=data, name=str(info.get("name") or ""), permalink=str(info.get("permalink") or "")
    )


def _file_info(client: WebClient, file_id: str) -> dict[str, Any]:
    try:
        file: dict[str, Any] = client.files_info(file=file_id)["file"]
    except SlackApiError as exc:
        if transient_error(exc):
            raise
        error = str(exc.response.get("error"))
        sentence = _FILES_INFO_ERRORS.get(
            error, f"Slack would not describe this file ({error}), so it can't be indexed."
        )
        raise FileRefusedError("files_info", sentence) from None
    return file


def _check_host(url: str, hosts: frozenset[str]) -> None:
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    secure = parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK)
    if not (host in hosts and secure):
        shown = host or "no address"
        raise FileRefusedError(
            "not_slack_host",
            f"Slack gave a download address on {shown}, which is not a Slack file host,"
            " so the file was not fetched; an admin can allow it in RAGTIME_SLACK_FILE_HOSTS.",
        )


def download(url: str, *, token: str, hosts: frozenset[str], max_bytes: int) -> bytes:
    """GET ``url`` with the bot token, reading at most ``max_bytes`` (more is refused)."""
    request = Request(url, headers={"User-Agent": "ragtime"})
    # Unredirected: a redirect carries the token only if _TokenRedirects allows it.
    request.add_unredirected_header("Authorization", f"Bearer {token}")
    opener = build_opener(_TokenRedirects(token, hosts))
    try:
        with opener.open(request, timeout=60) as response:
            if response.headers.get_content_type() == "text/html":
                raise FileRefusedError("sign_in_page", _SIGN_IN_PAGE)
            length = int(response.headers.get("Content-Length") or 0)
            if length > max_bytes:
                raise _too_large(length, max_bytes)
            return _read_capped(response, max_bytes)
    except HTTPError as exc:
        if transient_error(exc):
            raise
        raise FileRefusedError(
            "download", f"Slack refused the download (HTTP {exc.code}); share the file again."
        ) from None


def _read_capped(response: IO[bytes], max_bytes: int) -> bytes:
    data = bytearray()
    while chunk := response.read(_READ_BYTES):
        data += chunk
        if len(data) > max_bytes:
            raise _too_large(len(data), max_bytes, at_least=True)
    return bytes(data)


class _TokenRedirects(HTTPRedirectHandler):
    """Follows redirects among the allowed Slack file hosts only, the token re-added."""

    def __init__(self, token: str, hosts: frozenset[str]) -> None:
        self._token, self._hosts = token, hosts

    def redirect_request(  # noqa: PLR0917 - urllib calls it so
        self, req: Request, fp: IO[bytes], code: int, msg: str, headers: Any, newurl: str
    ) -> Request | None:
        _check_redirect(newurl, self._hosts)
        follow = super().redirect_request(req, fp, code, msg, headers, newurl)
        if follow is not None:
            follow.add_unredirected_header("Authorization", f"Bearer {self._token}")
        return follow


def _check_redirect(url: str, hosts: frozenset[str]) -> None:
    """A redirect is followed only to an allowed file host: nothing else sees the request."""
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    secure = parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK)
    if host in hosts and secure:
        return
    if host == "slack.com" or host.endswith(".slack.com"):
        # A token Slack does not accept for the file is sent to the workspace's sign-in page.
        raise FileRefusedError("sign_in_page", _SIGN_IN_PAGE)
    raise FileRefusedError(
        "redirected_off_slack",
        f"Slack's download address sent me on to {host or 'no address'}, which is not a"
        " Slack file host, so the file was not fetched; share it again from Slack.",
    )


def _too_large(size: int, max_bytes: int, *, at_least: bool = False) -> FileRefusedError:
    limit = _size(max_bytes)
    what = (
        f"larger than the {limit} limit" if at_least else f"{_size(size)}, over the {limit} limit"
    )
    return FileRefusedError(
        "too_large",
        f"This PDF is {what}, so it can't be indexed; split or compress it and share the parts.",
    )


def _size(n: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"
