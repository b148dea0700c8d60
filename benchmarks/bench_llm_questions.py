"""The adversarial schema and the questions of bench_llm_context.py, free of setup so that tests
import them too.

`adversarial()`: Chinook's tables plus look-alikes sharing its column names and values (see
bench_llm_context.py). EXTRA_QUESTIONS: questions on Chinook (SQLite) with gold SQL, beyond
chat/eval/chinook_questions.yaml: entities named by value (an artist, a customer's first
name, a playlist, a media type), columns named by a word of theirs (billing city, fax, postal
code, bytes), and long join paths. `gold()`: the tables and columns a gold SQL reads.
"""

import random

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.qualify import qualify

from connections.dialects.schema import Column, ForeignKey, SchemaDocument, Table

VERSION_TAGS = (
    "archive backup bak staging stg old v2 v3 2019 2020 copy tmp history snapshot legacy "
    "dev test import raw replica"
).split()
DERIVED = (
    "Note Stat Log Summary Audit Event Tag Review Rating Link Map Detail Profile Metric Report "
    "Daily Monthly Queue Alias Request Feedback Flag Score Segment Contact Address Share Rank "
    "Chart Trend"
).split()
DOMAIN_NOUNS = (
    "Order OrderLine Product Supplier Store Shipment Vendor Payment Subscription Podcast Episode "
    "Movie Book Author Publisher Concert Venue Ticket Label Band Song Radio Station Member "
    "Account Contract Region Warehouse Lead Opportunity Campaign Partner Refund Coupon Cart "
    "Wishlist Download Stream Device Session Course Student Teacher Event Festival Tour Merch"
).split()
PREFIXES = "crm sales web app etl bi fin ops hr mkt music store".split()
SHARED_COLUMNS = (
    "Name Title Country City State Total UnitPrice Quantity Email Phone FirstName LastName "
    "Composer Milliseconds InvoiceDate BillingCountry Company PostalCode Address CustomerId "
    "ArtistId TrackId GenreId AlbumId"
).split()
FILLER = "CreatedAt UpdatedAt Status Code Value Score Amount Description Kind Source".split()


EXTRA_QUESTIONS: list[dict] = [
    {
        "question": "How many albums does AC/DC have?",
        "sql": "SELECT COUNT(*) FROM Album al JOIN Artist ar ON ar.ArtistId = al.ArtistId WHERE ar.Name = 'AC/DC'",
    },
    {
        "question": "List the albums by Aerosmith",
        "sql": "SELECT al.Title FROM Album al JOIN Artist ar ON ar.ArtistId = al.ArtistId WHERE ar.Name = 'Aerosmith'",
    },
    {
        "question": "Which customers live in Prague?",
        "sql": "SELECT FirstName, LastName FROM Customer WHERE City = 'Prague'",
    },
    {
        "question": "What is the email of the customer Luís?",
        "sql": "SELECT Email FROM Customer WHERE FirstName = 'Luís'",
    },
    {
        "question": "How many invoices did Helena Holý have?",
        "sql": "SELECT COUNT(*) FROM Invoice i JOIN Customer c ON c.CustomerId = i.CustomerId WHERE c.FirstName = 'Helena' AND c.LastName = 'Holý'",
    },
    {
        "question": "Which employee is the support rep of Leonie Köhler?",
        "sql": "SELECT e.FirstName, e.LastName FROM Customer c JOIN Employee e ON e.EmployeeId = c.SupportRepId WHERE c.FirstName = 'Leonie' AND c.LastName = 'Köhler'",
    },
    {
        "question": "Who does Jane Peacock report to?",
        "sql": "SELECT m.FirstName, m.LastName FROM Employee e JOIN Employee m ON m.EmployeeId = e.ReportsTo WHERE e.FirstName = 'Jane' AND e.LastName = 'Peacock'",
    },
    {
        "question": "How many tracks are on the Grunge playlist?",
        "sql": "SELECT COUNT(*) FROM PlaylistTrack pt JOIN Playlist p ON p.PlaylistId = pt.PlaylistId WHERE p.Name = 'Grunge'",
    },
    {
        "question": "Which 5 playlists contain the most tracks?",
        "sql": "SELECT p.Name, COUNT(*) AS n FROM PlaylistTrack pt JOIN Playlist p ON p.PlaylistId = pt.PlaylistId GROUP BY p.PlaylistId, p.Name ORDER BY n DESC LIMIT 5",
    },
    {
        "question": "How many tracks are AAC audio files?",
        "sql": "SELECT COUNT(*) FROM Track t JOIN MediaType m ON m.MediaTypeId = t.MediaTypeId WHERE m.Name = 'AAC audio file'",
    },
    {
        "question": "Tracks composed by Jimi Hendrix",
        "sql": "SELECT Name FROM Track WHERE Composer = 'Jimi Hendrix'",
    },
    {
        "question": "Which tracks did Steve Harris write?",
        "sql": "SELECT Name FROM Track WHERE Composer LIKE '%Steve Harris%'",
    },
    {
        "question": "Total sales billed in Germany",
        "sql": "SELECT SUM(Total) FROM Invoice WHERE BillingCountry = 'Germany'",
    },
    {
        "question": "Invoices with billing city Stuttgart",
        "sql": "SELECT InvoiceId, Total FROM Invoice WHERE BillingCity = 'Stuttgart'",
    },
    {
        "question": "How many employees are IT Staff?",
        "sql": "SELECT COUNT(*) FROM Employee WHERE Title = 'IT Staff'",
    },
    {
        "question": "List the sales support agents",
        "sql": "SELECT FirstName, LastName FROM Employee WHERE Title = 'Sales Support Agent'",
    },
    {
        "question": "Which employees live in Calgary?",
        "sql": "SELECT FirstName, LastName FROM Employee WHERE City = 'Calgary'",
    },
    {
        "question": "What is the total size in bytes of all tracks?",
        "sql": "SELECT SUM(Bytes) FROM Track",
    },
    {
        "question": "Average track size in bytes per media type",
        "sql": "SELECT m.Name, AVG(t.Bytes) FROM Track t JOIN MediaType m ON m.MediaTypeId = t.MediaTypeId GROUP BY m.MediaTypeId, m.Name",
    },
    {
        "question": "How many customers have a company?",
        "sql": "SELECT COUNT(*) FROM Customer WHERE Company IS NOT NULL",
    },
    {
        "question": "Customers working at Google Inc.",
        "sql": "SELECT FirstName, LastName FROM Customer WHERE Company = 'Google Inc.'",
    },
    {
        "question": "Which genres does Iron Maiden play?",
        "sql": "SELECT DISTINCT g.Name FROM Track t JOIN Album al ON al.AlbumId = t.AlbumId JOIN Artist ar ON ar.ArtistId = al.ArtistId JOIN Genre g ON g.GenreId = t.GenreId WHERE ar.Name = 'Iron Maiden'",
    },
    {
        "question": "How many tracks does the album Let There Be Rock have?",
        "sql": "SELECT COUNT(*) FROM Track t JOIN Album al ON al.AlbumId = t.AlbumId WHERE al.Title = 'Let There Be Rock'",
    },
    {
        "question": "Who is the artist of the album Big Ones?",
        "sql": "SELECT ar.Name FROM Album al JOIN Artist ar ON ar.ArtistId = al.ArtistId WHERE al.Title = 'Big Ones'",
    },
    {
        "question": "Quantity of tracks sold per genre",
        "sql": "SELECT g.Name, SUM(il.Quantity) FROM InvoiceLine il JOIN Track t ON t.TrackId = il.TrackId JOIN Genre g ON g.GenreId = t.GenreId GROUP BY g.GenreId, g.Name",
    },
    {
        "question": "How many invoice lines have a quantity above 1?",
        "sql": "SELECT COUNT(*) FROM InvoiceLine WHERE Quantity > 1",
    },
    {
        "question": "Customers in the state of CA",
        "sql": "SELECT FirstName, LastName FROM Customer WHERE State = 'CA'",
    },
    {
        "question": "Fax numbers of customers in Canada",
        "sql": "SELECT Fax FROM Customer WHERE Country = 'Canada'",
    },
    {
        "question": "Postal codes of customers in Berlin",
        "sql": "SELECT PostalCode FROM Customer WHERE City = 'Berlin'",
    },
    {
        "question": "Birth date of the General Manager",
        "sql": "SELECT BirthDate FROM Employee WHERE Title = 'General Manager'",
    },
    {
        "question": "Revenue from Jazz tracks",
        "sql": "SELECT SUM(il.UnitPrice * il.Quantity) FROM InvoiceLine il JOIN Track t ON t.TrackId = il.TrackId JOIN Genre g ON g.GenreId = t.GenreId WHERE g.Name = 'Jazz'",
    },
    {
        "question": "Which customers bought tracks by Queen?",
        "sql": "SELECT DISTINCT c.FirstName, c.LastName FROM Customer c JOIN Invoice i ON i.CustomerId = c.CustomerId JOIN InvoiceLine il ON il.InvoiceId = i.InvoiceId JOIN Track t ON t.TrackId = il.TrackId JOIN Album al ON al.AlbumId = t.AlbumId JOIN Artist ar ON ar.ArtistId = al.ArtistId WHERE ar.Name = 'Queen'",
    },
    {
        "question": "How many Bossa Nova tracks are there?",
        "sql": "SELECT COUNT(*) FROM Track t JOIN Genre g ON g.GenreId = t.GenreId WHERE g.Name = 'Bossa Nova'",
    },
    {
        "question": "Invoices with billing state SP",
        "sql": "SELECT InvoiceId, Total FROM Invoice WHERE BillingState = 'SP'",
    },
    {
        "question": "Number of tracks per album of Led Zeppelin",
        "sql": "SELECT al.Title, COUNT(*) FROM Track t JOIN Album al ON al.AlbumId = t.AlbumId JOIN Artist ar ON ar.ArtistId = al.ArtistId WHERE ar.Name = 'Led Zeppelin' GROUP BY al.AlbumId, al.Title",
    },
    {
        "question": "Which employees were hired in 2003?",
        "sql": "SELECT FirstName, LastName FROM Employee WHERE HireDate >= '2003-01-01' AND HireDate < '2004-01-01'",
    },
    {
        "question": "Phone number of Steve Johnson",
        "sql": "SELECT Phone FROM Employee WHERE FirstName = 'Steve' AND LastName = 'Johnson'",
    },
    {
        "question": "How many tracks are on the Classical playlist?",
        "sql": "SELECT COUNT(*) FROM PlaylistTrack pt JOIN Playlist p ON p.PlaylistId = pt.PlaylistId WHERE p.Name = 'Classical'",
    },
    {
        "question": "Albums with more than 20 tracks",
        "sql": "SELECT al.Title FROM Album al JOIN Track t ON t.AlbumId = al.AlbumId GROUP BY al.AlbumId, al.Title HAVING COUNT(*) > 20",
    },
    {
        "question": "Which artists have no albums?",
        "sql": "SELECT ar.Name FROM Artist ar LEFT JOIN Album al ON al.ArtistId = ar.ArtistId WHERE al.AlbumId IS NULL",
    },
]


def adversarial(
    document: SchemaDocument, profiles: dict, total: int, seed: int = 11, keyed: bool = True
):
    """Chinook's tables plus look-alikes up to `total` tables, and their profiles.
    `keyed=False`: no look-alike declares a foreign key to a real table (many schemas declare
    none), so the real tables are not the most referred to."""
    rng = random.Random(seed)
    real = {t.name: t for t in document.tables}
    column_profiles: dict[str, dict] = {}
    for table in document.tables:
        for name, stats in (profiles.get(table.qualified_name) or {}).items():
            column_profiles.setdefault(name, stats)
    tables: list[Table] = []
    out_profiles = dict(profiles)
    names = set(real)

    def add(table: Table, profile: dict) -> None:
        if table.name in names or len(tables) + len(real) >= total:
            return
        names.add(table.name)
        tables.append(table)
        out_profiles[table.qualified_name] = profile

    # Versioned copies: same columns, values and samples; keys to the copies of the same tag.
    for tag in VERSION_TAGS:
        for table in document.tables:
            style = rng.randrange(3)
            name = (
                f"{table.name}_{tag}"
                if style == 0
                else f"{tag}_{table.name}"
                if style == 1
                else f"{table.name}{tag.capitalize()}"
            )
            fks = [
                ForeignKey(
                    fk.columns,
                    "main",
                    _versioned(fk.referred_table, tag, style),
                    fk.referred_columns,
                )
                for fk in table.foreign_keys
            ]
            add(
                Table(
                    schema="main",
                    name=name,
                    columns=[
                        Column(c.name, c.type, primary_key=c.primary_key) for c in table.columns
                    ],
                    primary_key=list(table.primary_key),
                    foreign_keys=fks,
                    sample_rows=table.sample_rows,
                ),
                profiles.get(table.qualified_name, {}),
            )
    # Derived tables: a few of the real table's columns and a key to it.
    for suffix in DERIVED:
        for table in document.tables:
            key = table.primary_key[0] if table.primary_key else table.columns[0].name
            others = [c for c in table.columns if c.name != key]
            kept = rng.sample(others, min(len(others), rng.randint(1, 4)))
            columns = [Column(f"{table.name}{suffix}Id", "INTEGER", primary_key=True)]
            columns += [Column(key, "INTEGER")] + [Column(c.name, c.type) for c in kept]
            columns += [
                Column(f, rng.choice(["TEXT", "INTEGER", "REAL"])) for f in rng.sample(FILLER, 3)
            ]
            profile = {
                c.name: column_profiles[c.name] for c in columns if c.name in column_profiles
            }
            add(
                Table(
                    schema="main",
                    name=f"{table.name}{suffix}",
                    columns=columns,
                    primary_key=[columns[0].name],
                    foreign_keys=[ForeignKey([key], "main", table.name, [key])] if keyed else [],
                ),
                profile,
            )
    # Neighbouring domains, sharing Chinook's column names and values.
    i = 0
    while len(tables) + len(real) < total:
        noun = rng.choice(DOMAIN_NOUNS)
        name = f"{rng.choice(PREFIXES)}_{noun}" + (f"_{i}" if rng.random() < 0.7 else "")
        i += 1
        shared = rng.sample(SHARED_COLUMNS, rng.randint(2, 6))
        columns = [Column(f"{noun}Id", "INTEGER", primary_key=True)]
        columns += [
            Column(c, "TEXT" if c[0].isupper() and not c.endswith("Id") else "INTEGER")
            for c in shared
        ]
        columns += [Column(f, "TEXT") for f in rng.sample(FILLER, rng.randint(1, 4))]
        fks = [
            ForeignKey([c], "main", c[:-2], [c])
            for c in shared
            if keyed and c.endswith("Id") and c[:-2] in real and rng.random() < 0.5
        ]
        profile = {c.name: column_profiles[c.name] for c in columns if c.name in column_profiles}
        add(
            Table(
                schema="main",
                name=name,
                columns=columns,
                primary_key=[columns[0].name],
                foreign_keys=fks,
            ),
            profile,
        )
    # The real tables somewhere in the middle, as a catalog lists them (alphabetically).
    everything = sorted(document.tables + tables, key=lambda t: t.name.lower())
    return SchemaDocument(dialect="sqlite", tables=everything), out_profiles


def _versioned(name: str, tag: str, style: int) -> str:
    return (
        f"{name}_{tag}"
        if style == 0
        else f"{tag}_{name}"
        if style == 1
        else f"{name}{tag.capitalize()}"
    )


def gold(sql: str, document: SchemaDocument) -> dict[str, set[str]]:
    """{table: {columns}} the gold SQL reads (stars expanded)."""
    mapping = {t.name: {c.name: "TEXT" for c in t.columns} for t in document.tables}
    tree = qualify(
        sqlglot.parse_one(sql, read="sqlite"),
        schema=mapping,
        dialect="sqlite",
        quote_identifiers=False,
        identify=False,
    )
    aliases: dict[str, str] = {}
    for table in tree.find_all(exp.Table):
        aliases[(table.alias or table.name).lower()] = table.name
    by_lower = {t.name.lower(): t for t in document.tables}
    out: dict[str, set[str]] = {}
    for table in tree.find_all(exp.Table):
        out.setdefault(by_lower[table.name.lower()].name, set())
    for column in tree.find_all(exp.Column):
        real = aliases.get(column.table.lower())
        if real is None:
            continue  # a derived table's column: its own columns are counted inside it
        table = by_lower[real.lower()]
        spelled = next(
            (c.name for c in table.columns if c.name.lower() == column.name.lower()), None
        )
        if spelled:
            out[table.name].add(spelled)
    return out
