"""Signed download URLs of bulk exports (pure: no I/O).

The signature is an HMAC-SHA256, under a server secret, of the organization, the job and the
instant the URL expires: a URL of another job, another organization or a later expiry does not
verify. Compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac

# Keeps URL signatures apart from any other use of the secret they are derived from.
_CONTEXT = b"usage-gateway bulk export download v1"


def url_secret(configured: str | None, fallback: str) -> bytes:
    """The key of URL signatures: the configured one, else one derived from ``fallback``."""
    if configured:
        return configured.encode()
    return hmac.new(fallback.encode(), _CONTEXT, hashlib.sha256).digest()


def signature(secret: bytes, *, org_id: str, job_id: str, expires: int) -> str:
    message = f"{len(org_id)}:{org_id}\n{job_id}\n{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def verify(secret: bytes, *, org_id: str, job_id: str, expires: int, given: str) -> bool:
    wanted = signature(secret, org_id=org_id, job_id=job_id, expires=expires)
    # As bytes: compare_digest refuses str with characters outside ASCII.
    return hmac.compare_digest(wanted.encode(), given.encode())
