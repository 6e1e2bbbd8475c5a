"""Errors of the control API; each carries the HTTP status it is answered with.

::

    FsappError
     └── ApiError (status)
          ├── BadRequest      400  a missing or malformed parameter or body
          ├── Unauthorized    401  no token, or an unknown one
          ├── Forbidden       403  the token's role may not do this
          ├── NotFoundError   404  no such route, agent, queue, call, session
          └── Conflict        409  the thing is not in a state that allows it
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
