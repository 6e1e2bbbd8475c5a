"""Errors of the control API; each carries the HTTP status it is answered with.

::

    FsappError
     └── ApiError (status)
          ├── BadRequest      400  a missing or malformed parameter or body
          ├── Unauthorized    401  no token, or an unknown one
          ├── Forbidden       403  the token's role may not do this
          ├── NotFoundError   404  no such route, agent, queue, call, session
          ├── Conflict        409  the thing is not in a state that allows it
          └── TooManyRequests 429  an Open311 key's rate limit is used up
"""

from __future__ import annotations

from fsapp.errors import FsappError


class ApiError(FsappError):
    status = 500


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFoundError(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class TooManyRequests(ApiError):
    """429: a key's rate limit is used up; ``retry_after`` seconds until the next request is accepted."""

    status = 429

    def __init__(self, message: str, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after
