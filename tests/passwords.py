"""A cheap password hash for the test process.

Django 5.2 hashes a password with 1,000,000 PBKDF2 rounds (0.3-0.8 s of CPU); the suite makes
thousands of users (`alice`, `bob`, `admin_user` per test) and signs in hundreds of times, so
hashing alone cost minutes. This hasher keeps the algorithm name (`pbkdf2_sha256`) and stores
its round count in the hash as PBKDF2 always does, so the hashes it makes are ordinary
PBKDF2 hashes: a gunicorn or Celery process started by a test, on the production settings,
checks them as it would any other (and upgrades them to the full count on a sign-in).
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1_000


PASSWORD_HASHERS = [
    "tests.passwords.FastPBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # a full-strength hash still checks
]
