"""Development: works with no environment at all."""

import secrets

from .base import *  # noqa: F403
from .base import SECRET_KEY, VAR_DIR, env_bool

DEBUG = env_bool("DEBUG", True)


def _local_secret_key():
    # A random key kept beside the local database, so sessions survive restarts
    # without anyone ever committing or sharing a key.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = SECRET_KEY or _local_secret_key()
