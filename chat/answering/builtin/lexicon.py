"""General English the engine reads: words that carry a role in a question (aggregates,
comparisons, ordering, negation...) and words that carry none (function words).

Nothing here names a particular schema: schema words come from the document and its values.
A word missing from these lists is a content word, and a content word nothing in the schema
accounts for makes the engine refuse.
"""

from __future__ import annotations

# Words that add nothing to what is asked: dropping any of them never changes the query.
FUNCTION = set(
    """a an the of is are was were be been being do does did what which who whom whose
    show list give find tell display return get me us i we you please there it its their
    them this these those that all any every some also together along respective
    respectively each their corresponding associated related information info
    everything here currently current
    to in on at for from as 's s has have had having with can could would will shall should
    identify provide produce compute calculate retrieve report known recorded listed stored
    available existing exist exists row rows live lives living located based placed made
    located situated""".split()
)
# Of FUNCTION, the ones that may separate or introduce a clause (never dropped when they
# decide the reading; listed so the reader can find them).
CLAUSE = {"whose", "where", "that", "which", "who", "with", "having", "has", "have", "had"}

WRITE_WORDS = set(
    """delete drop update insert truncate alter create remove modify change set grant revoke
    rename replace add erase""".split()
)

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "twenty": 20,
}  # fmt: skip

# Phrases (token tuples, singular forms) -> (role, argument). Longest match first.
PHRASES: dict[tuple[str, ...], tuple[str, str]] = {}


def _add(role: str, arg: str, *phrases: str) -> None:
    for phrase in phrases:
        PHRASES[tuple(phrase.split())] = (role, arg)


_add("count", "", "how many", "number of", "count of", "count", "total number of",
     "the number of", "total count of", "how much")  # fmt: skip
_add("agg", "avg", "average", "avg", "mean", "average of", "mean of")
_add("agg", "sum", "total", "sum", "sum of", "total of", "combined", "overall")
_add("agg", "max", "maximum", "max", "highest", "largest", "biggest", "greatest", "maximal")
_add("agg", "min", "minimum", "min", "lowest", "smallest", "least", "minimal", "fewest")
_add("agg", "max", "most")
_add("distinct", "", "different", "distinct", "unique")
_add("cmp", ">", "more than", "greater than", "larger than", "bigger than", "higher than",
     "above", "over", "exceeding", "exceed", "exceeds", "longer than", "later than",
     "after", "great than")  # fmt: skip
_add("cmp", ">=", "at least", "no less than", "not less than", "or more", "or greater",
     "greater than or equal to", "more than or equal to", "since", "starting from")  # fmt: skip
_add("cmp", "<", "less than", "fewer than", "smaller than", "lower than", "below", "under",
     "shorter than", "before", "earlier than")  # fmt: skip
_add("cmp", "<=", "at most", "no more than", "not more than", "or less", "or fewer",
     "less than or equal to", "up to")  # fmt: skip
# After the number they bound: "25 or older", "in 2010 or later" (read in or_comparisons.py).
_add("cmp", ">=", "or older", "or later", "or after", "or higher", "or above", "or over",
     "or bigger", "or larger", "larger than or equal to", "bigger than or equal to",
     "higher than or equal to")  # fmt: skip
_add("cmp", "<=", "or younger", "or earlier", "or before", "or lower", "or below", "or under",
     "or smaller", "smaller than or equal to", "lower than or equal to",
     "fewer than or equal to")  # fmt: skip
_add("cmp", "=", "equal to", "equals", "equal", "exactly", "is equal to", "=")
_add("cmp", ">", ">")
_add("cmp", "<", "<")
_add("cmp", ">=", ">=")
_add("cmp", "<=", "<=")
_add("cmp", "!=", "not equal to", "other than", "different from", "not", "!=")
_add("between", "", "between", "ranging from", "in the range of", "in the range")
_add("like", "contains", "contain", "contains", "containing", "include", "includes",
     "including", "with the word", "with the letter", "with a letter", "has the word",
     "with word", "with letter", "with substring", "with the substring", "like",
     "that contain", "that contains")  # fmt: skip
_add("like", "starts", "start with", "starts with", "starting with", "begin with",
     "begins with", "beginning with", "start", "begins", "prefix")  # fmt: skip
_add("like", "ends", "end with", "ends with", "ending with", "end", "suffix")
_add("order", "", "ordered by", "sorted by", "order by", "sort by", "ranked by", "arranged by",
     "in order of", "ordered", "sorted", "sort", "order", "rank by", "arrange by",
     "listed by", "ranked")  # fmt: skip
_add("by", "", "by")
_add("dir", "alpha", "alphabetical", "alphabetically", "lexicographic", "lexicographically")
_add("dir", "asc", "ascending", "asc", "increasing", "from lowest to highest", "from low to high",
     "from smallest to largest", "from least to most", "from the lowest to the highest",
     "from youngest to oldest", "from the youngest to the oldest")  # fmt: skip
_add("dir", "desc", "descending", "desc", "decreasing", "reverse", "from highest to lowest",
     "from high to low", "from largest to smallest", "from most to least",
     "from the highest to the lowest", "from oldest to youngest",
     "from the oldest to the youngest")  # fmt: skip
_add("group", "", "for each", "per", "of each", "in each", "for every", "each", "grouped by",
     "group by", "by each", "for all")  # fmt: skip
_add("neg", "", "not", "no", "never", "without", "don't", "doesn't", "didn't", "haven't",
     "hasn't", "isn't", "aren't", "weren't", "wasn't", "none", "neither", "nor", "dont",
     "doesnt", "didnt", "havent", "hasnt", "except", "excluding", "outside", "non")  # fmt: skip
_add("or", "", "or", "either")
_add("and", "", "and", "as well as", "along with")
_add("both", "", "both")
_add("but", "", "but", "but not")
_add("null", "", "null", "empty", "missing", "unknown")
_add("limit", "", "top", "first")
_add("sample", "", "sample", "samples", "example", "examples", "preview")
_add("relyear", "-1", "last year", "previous year", "past year")
_add("relyear", "0", "this year", "current year")
_add("named", "", "named", "called", "titled", "name is", "labeled", "labelled")

# Adjectives that stand for a column and a direction: "older than 30" is age > 30, "the
# youngest" the lowest age. Each maps to the words a column may be named with.
ADJECTIVES: dict[str, tuple[tuple[str, ...], str]] = {}


def _adj(words: tuple[str, ...], up: str, down: str) -> None:
    for word in up.split():
        ADJECTIVES[word] = (words, "desc")
    for word in down.split():
        ADJECTIVES[word] = (words, "asc")


_adj(("age",), "old older oldest", "young younger youngest")
_adj(("height",), "tall taller tallest", "")
_adj(("weight",), "heavy heavier heaviest", "light lighter lightest")
_adj(("price", "cost"), "expensive pricier priciest costly", "cheap cheaper cheapest")
_adj(("length", "duration", "millisecond", "minute", "second"), "long longer longest",
     "short shorter shortest")  # fmt: skip
_adj(("population",), "populous", "")
_adj(("speed",), "fast faster fastest quick quicker quickest", "slow slower slowest")
_adj(("size", "area"), "big bigger biggest large larger", "small smaller")
# Verbs that name a measure without comparing: "priced 25", "costs more than 100".
MEASURE_VERBS = {w: ("price", "cost") for w in "priced cost costs costing".split()}

# Abbreviations schemas use, as the words people say: num_employees is "number of employees".
ABBREVIATIONS = {
    "num": "number", "no": "number", "nbr": "number", "cnt": "count", "qty": "quantity",
    "amt": "amount", "avg": "average", "max": "maximum", "min": "minimum", "yr": "year",
    "dept": "department", "emp": "employee", "addr": "address", "desc": "description",
    "dob": "birth", "fname": "first", "lname": "last", "mgr": "manager", "pct": "percent",
    "tel": "phone", "info": "information", "org": "organization", "std": "student",
    "stu": "student", "prof": "professor", "crs": "course", "loc": "location",
}  # fmt: skip
# Question words that name a table by another common word (general English only).
SYNONYMS = {
    "song": "track", "client": "customer", "buyer": "customer", "staff": "employee",
    "purchase": "order", "sale": "invoice", "band": "artist", "people": "person",
    "persons": "person", "child": "children", "film": "movie", "movie": "film",
}  # fmt: skip
