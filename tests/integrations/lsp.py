"""A minimal Language Server Protocol client: JSON-RPC 2.0 over a server's stdin/stdout.

Enough of the protocol to drive a real language server the way an editor does: requests
with results, notifications both ways, the server's own requests answered (settings are
served through `workspace/configuration`, as VS Code serves them), and every
`textDocument/publishDiagnostics` kept per document.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

# Waiting is bounded so a wedged server fails the test instead of hanging the suite; the
# bound is generous because the machine is shared, and nothing asserts how long it took.
WAIT_S = 120.0


class ServerError(RuntimeError):
    """The server answered a request with an error, or stopped."""


class LanguageServerClient:
    def __init__(
        self,
        command: Sequence[str],
        cwd: Path,
        log: IO[bytes],
        configuration: Callable[[str], Any],
    ) -> None:
        self._process = subprocess.Popen(
            list(command), cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log
        )
        self._configuration = configuration
        self._write_lock = threading.Lock()
        self._changed = threading.Condition()
        self._next_id = 0
        self._responses: dict[int, dict[str, Any]] = {}
        self._diagnostics: dict[str, list[dict[str, Any]]] = {}
        self._published: dict[str, int] = {}
        self._closed = False
        self._reader = threading.Thread(target=self._read_loop, name="lsp-reader", daemon=True)
        self._reader.start()

    # ---- sending --------------------------------------------------------------------------
    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self._process.stdin is not None
        with self._write_lock:
            self._process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self._process.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        with self._changed:
            self._next_id += 1
            request_id = self._next_id
        self._send({"id": request_id, "method": method, "params": params})
        with self._changed:
            if not self._changed.wait_for(lambda: request_id in self._responses or self._closed, WAIT_S):
                raise ServerError(f"no answer to {method} in {WAIT_S:.0f} s")
            if request_id not in self._responses:
                raise ServerError(f"the server stopped before answering {method}")
            response = self._responses.pop(request_id)
        if "error" in response:
            raise ServerError(f"{method}: {response['error']}")
        return response.get("result")

    # ---- receiving ------------------------------------------------------------------------
    def _read_message(self, stream: IO[bytes]) -> dict[str, Any] | None:
        length = None
        while True:
            line = stream.readline()
            if not line:
                return None
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode("ascii").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length is None:
            raise ServerError("a message without Content-Length")
        message: dict[str, Any] = json.loads(stream.read(length).decode("utf-8"))
        return message

    def _read_loop(self) -> None:
        assert self._process.stdout is not None
        try:
            while (message := self._read_message(self._process.stdout)) is not None:
                self._dispatch(message)
        finally:
            with self._changed:
                self._closed = True
                self._changed.notify_all()

    def _dispatch(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if method is None:  # a response to one of our requests
            with self._changed:
                self._responses[int(message["id"])] = message
                self._changed.notify_all()
            return
        if "id" in message:  # the server asks the client something
            result: Any = None
            if method == "workspace/configuration":
                result = [self._configuration(item.get("section", "")) for item in message["params"]["items"]]
            self._send({"id": message["id"], "result": result})
            return
        if method == "textDocument/publishDiagnostics":
            uri = message["params"]["uri"]
            with self._changed:
                self._diagnostics[uri] = message["params"]["diagnostics"]
                self._published[uri] = self._published.get(uri, 0) + 1
                self._changed.notify_all()

    def publications(self, uri: str) -> int:
        with self._changed:
            return self._published.get(uri, 0)

    def diagnostics_after(self, uri: str, seen: int) -> list[dict[str, Any]]:
        """The diagnostics of the first publication for `uri` after the `seen`-th one."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._published.get(uri, 0) > seen or self._closed, WAIT_S):
                raise ServerError(f"no diagnostics for {uri} in {WAIT_S:.0f} s")
            if self._published.get(uri, 0) <= seen:
                raise ServerError(f"the server stopped before publishing diagnostics for {uri}")
            return list(self._diagnostics[uri])

    # ---- lifetime -------------------------------------------------------------------------
    def shutdown(self) -> int:
        try:
            if not self._closed:
                self.request("shutdown", None)
                self.notify("exit", None)
        except (ServerError, OSError):
            pass
        try:
            return self._process.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            return self._process.wait()
