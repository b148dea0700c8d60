"""Which columns hold personal data or secrets: by their name, and by the values seen in sample
rows and column profiles. Pure functions on a SchemaDocument (no database, no Django models);
schemas_app.sensitive stores and serves the result.

Names are split into words (snake_case, camelCase, digits), and a rule matches whole words in
order, so `email_address` and `EmailAddress` are e-mail columns while `addressable` is not.
Choices, and why:
- `*_id` / `*_count` / `*_type` ... name a reference or a fact *about* the value, not the value:
  `address_id` is a foreign key, `email_verified` a flag; they are never flagged by name.
- Booleans, has_/is_ flags and min_/max_/avg_/total_ figures are never flagged by name
  (`has_phone` holds no number, `max_salary` of a job grade is nobody's pay).
- Postal code, city, district and country are not flagged: alone they name an area, not a
  person, and "customers per city" is the kind of question the model should see values for.
  Staff can mark them when the data is small enough for them to identify someone.
- Person names (first_name, last_name) are not flagged: they are what value questions are
  asked about ("invoices of Luís Gonçalves"); staff can mark them per column.
- Salary and wage are flagged: one person's pay is confidential HR data; aggregates still work
  because query results are never masked.
- Birth dates are flagged (with age, they identify people; they are special in HR data).
"""

from __future__ import annotations

import math
import re

from connections.dialects.schema import SchemaDocument, Table

# (words, what) — matched as consecutive whole words of the column name.
NAME_RULES: list[tuple[tuple[str, ...], str]] = [
    (("email",), "e-mail"),
    (("e", "mail"), "e-mail"),
    (("emailaddress",), "e-mail"),
    (("mail",), "e-mail"),
    (("phone",), "phone number"),
    (("phonenumber",), "phone number"),
    (("telephone",), "phone number"),
    (("tel",), "phone number"),
    (("mobile",), "phone number"),
    (("msisdn",), "phone number"),
    (("fax",), "phone number"),
    (("ssn",), "social security number"),
    (("social", "security"), "social security number"),
    (("passport",), "passport number"),
    (("national", "id", "number"), "national id number"),
    (("tax", "number"), "tax number"),
    (("iban",), "bank account"),
    (("account", "number"), "bank account"),
    (("account", "no"), "bank account"),
    (("bank", "account"), "bank account"),
    (("card", "number"), "card number"),
    (("credit", "card"), "card number"),
    (("creditcard",), "card number"),
    (("cc", "number"), "card number"),
    (("cvv",), "card number"),
    (("cvc",), "card number"),
    (("password",), "password"),
    (("passwd",), "password"),
    (("pwd",), "password"),
    (("token",), "secret"),
    (("secret",), "secret"),
    (("api", "key"), "secret"),
    (("apikey",), "secret"),
    (("access", "key"), "secret"),
    (("private", "key"), "secret"),
    (("address",), "address"),
    (("street",), "address"),
    (("birth", "date"), "birth date"),
    (("birthdate",), "birth date"),
    (("date", "of", "birth"), "birth date"),
    (("dob",), "birth date"),
    (("birthday",), "birth date"),
    (("salary",), "salary"),
    (("wage",), "salary"),
]
# A last word that makes the column a reference to, or a fact about, the sensitive thing.
NOT_THE_VALUE = {
    "id", "ids", "uuid", "fk", "count", "counts", "type", "kind", "status", "verified",
    "confirmed", "flag", "enabled", "valid", "at", "on", "format", "length", "len", "expires",
    "expiry", "expiration", "changed", "updated", "created", "policy", "hint", "reset", "sent",
    "code", "description", "from", "to", "since", "until",  # address_type_code, date_address_to
}  # fmt: skip
# A first word that makes it a flag or a figure over many people: has_phone, max_salary.
NOT_A_PERSON = {"has", "is", "min", "max", "avg", "average", "total"}
_BOOLEAN_TYPES = {"bool", "boolean", "bit"}
_TEXT_SHARE = 0.8  # share of the values seen that must match a pattern


def words(name: str) -> list[str]:
    """`BillingAddress2` -> [billing, address, 2]; `e_mail` -> [e, mail]; `SSN` -> [ssn]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    spaced = re.sub(r"([A-Za-z])([0-9])", r"\1 \2", spaced)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def name_reason(name: str, type_name: str = "") -> str | None:
    """'name: e-mail' when the column's name says it holds a sensitive value, else None."""
    parts = [w for w in words(name) if not w.isdigit()]  # address2 is an address
    if not parts or parts[-1] in NOT_THE_VALUE or parts[0] in NOT_A_PERSON:
        return None
    if set(re.findall(r"[a-z]+", type_name.lower())) & _BOOLEAN_TYPES:
        return None
    for rule, what in NAME_RULES:
        size = len(rule)
        if any(tuple(parts[i : i + size]) == rule for i in range(len(parts) - size + 1)):
            return f"name: {what}"
    return None


# --- values --------------------------------------------------------------------------------

EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ().-]+$")
_DATE_LIKE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$")
_EXTENSION = re.compile(r"\s*(x|ext\.?)\s*\d{1,6}$", re.IGNORECASE)
_AREA_CODE = re.compile(r"\(\d{1,5}\)\s*\d")
_NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")
_CARD_CHARS = re.compile(r"^\d[\d -]{11,22}\d$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def is_email(text: str) -> bool:
    return bool(EMAIL.match(text))


def is_card(text: str) -> bool:
    """13-19 digits (spaces or dashes allowed) starting with a card network's digit (2-6),
    passing the Luhn check."""
    if not _CARD_CHARS.match(text):
        return False
    digits = re.sub(r"[ -]", "", text)
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_ok(digits)


def is_iban(text: str) -> bool:
    """Country, check digits, account; valid when the ISO 13616 mod-97 remainder is 1."""
    compact = text.replace(" ", "")  # upper case only: "ab12..." in a code column is no IBAN
    if not _IBAN.match(compact):
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def is_phone(text: str) -> bool:
    """7-15 digits written the way phone numbers are: a leading +, an area code in
    parentheses, or two or more separated groups. Dates, times and plain numbers are not."""
    text = _EXTENSION.sub("", text)  # "915-617-2408x832", "555 1234 ext. 12"
    if not _PHONE_CHARS.match(text) or _DATE_LIKE.match(text) or _NUMBER.match(text):
        return False
    digits = sum(c.isdigit() for c in text)
    if not 7 <= digits <= 15:
        return False
    groups = len(re.findall(r"\d+", text))
    # Brackets hold an area code before the number ("(403) 262-3443"), not a count after it
    # ("444-464 (21)", a fleet series).
    area_code = bool(_AREA_CODE.search(text))
    if "(" in text and not area_code:
        return False
    return text.startswith("+") or area_code or groups >= 3


PATTERNS = [  # most specific first: a card number is not also reported as a phone
    ("e-mail addresses", is_email),
    ("IBANs", is_iban),
    ("card numbers", is_card),
    ("phone numbers", is_phone),
]


def value_reason(values: list, source: str) -> str | None:
    """'values: e-mail addresses in 20/20 samples' when nearly all the text values seen in a
    column have one shape, else None. Numbers count as text of their digits (a card number
    stored as bigint); other types (dates, booleans) are never patterns of these."""
    texts = [str(v).strip() for v in values if isinstance(v, str | int) and not isinstance(v, bool)]
    texts = [t for t in texts if t]
    if not texts:
        return None
    for what, matches in PATTERNS:
        hits = sum(1 for t in texts if matches(t))
        if hits and hits >= math.ceil(_TEXT_SHARE * len(texts)):
            return f"values: {what} in {hits}/{len(texts)} {source}"
    return None


def _profile_values(profile: dict | None) -> list:
    if not profile or "error" in profile:
        return []
    values = [profile.get("min"), profile.get("max")]
    values += [pair[0] for pair in profile.get("top_values") or []]
    return [v for v in values if v is not None]


def detect_table(table: Table, profiles: dict | None = None) -> dict[str, str]:
    """{column: reason} of one table's sensitive columns; the name wins over the values."""
    found: dict[str, str] = {}
    profiles = profiles or {}
    for index, column in enumerate(table.columns):
        reason = name_reason(column.name, column.type)
        if reason is None:
            samples = [row[index] for row in table.sample_rows if index < len(row)]
            reason = value_reason(samples, "samples") or value_reason(
                _profile_values(profiles.get(column.name)), "profile values"
            )
        if reason:
            found[column.name] = reason
    return found


def detect(document: SchemaDocument, profiles: dict | None = None) -> dict[str, dict[str, str]]:
    """{qualified table name: {column: reason}} over the whole document (tables without a
    sensitive column are left out)."""
    profiles = profiles or {}
    result = {}
    for table in document.tables:
        found = detect_table(table, profiles.get(table.qualified_name))
        if found:
            result[table.qualified_name] = found
    return result
