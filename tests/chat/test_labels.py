"""Human column labels: given by the generator, else derived from the SQL, else the names."""

import pytest

from chat.answering.labels import column_labels, humanise, labels_for


@pytest.mark.parametrize(
    "name, label",
    [
        ("customers_count", "Number of customers"),
        ("row_count", "Number of rows"),
        ("count_orders", "Number of orders"),
        ("num_customers", "Number of customers"),
        ("sum_value", "Total value"),
        ("total_revenue", "Total revenue"),
        ("avg_unit_price", "Average unit price"),
        ("avg_customers_count", "Average number of customers"),
        ("min_price", "Minimum price"),
        ("max_value", "Maximum value"),
        ("InvoiceDate", "Invoice date"),
        ("BillingCountry", "Billing country"),
        ("CustomerId", "Customer ID"),
        ("HTMLTitle", "HTML title"),
        ("year", "Year"),
        ("database", "Database"),
        ("count(*)", "count(*)"),  # an expression as the database named it stays
    ],
)
def test_names_read_as_words(name, label):
    assert humanise(name) == label


@pytest.mark.parametrize(
    "sql, columns, labels",
    [
        ("SELECT count(*) FROM Customer WHERE Country = 'Brazil'", ["count(*)"],
         ["Number of customers"]),
        ("SELECT g.Name, COUNT(*) AS n FROM Track t JOIN Genre g ON g.GenreId = t.GenreId "
         "GROUP BY g.Name", ["Name", "n"], ["Genre name", "Number of tracks"]),
        ("SELECT c.country, SUM(o.total) AS revenue FROM orders o JOIN customers c "
         "ON c.id = o.customer_id GROUP BY c.country", ["country", "revenue"],
         ["Country", "Revenue"]),
        ("SELECT SUM(Total) AS sum_value FROM Invoice", ["sum_value"], ["Total"]),
        ("SELECT ROUND(AVG(unit_price), 2) AS avg_value FROM products", ["avg_value"],
         ["Average unit price"]),
        ("SELECT COUNT(DISTINCT City) FROM Employee", ["COUNT(DISTINCT City)"],
         ["Number of distinct cities"]),
        ("SELECT COUNT(DISTINCT c.id) AS value FROM customers c JOIN orders o "
         "ON o.customer_id = c.id", ["value"], ["Number of customers"]),
        ("SELECT a FROM x UNION SELECT b FROM y", ["a"], ["A"]),
        ("WITH q AS (SELECT 1 AS v) SELECT COUNT(*) FROM q", ["c"], ["Number of rows"]),
        ("SELECT * FROM Customer", ["CustomerId", "FirstName"], ["Customer ID", "First name"]),
        ("not sql at all (", ["unit_price"], ["Unit price"]),
    ],
)  # fmt: skip
def test_labels_from_the_select_list(sql, columns, labels):
    assert column_labels(columns, sql=sql, dialect="sqlite") == labels


def test_the_generators_labels_win_when_there_is_one_per_column():
    given = ["Country", "Number of customers"]
    assert column_labels(["country", "n"], given, sql="SELECT country, n FROM t") == given
    # Not one per column (or blank): derived instead.
    assert column_labels(["country", "n"], ["Country"]) == ["Country", "N"]
    assert column_labels(["country"], [" "]) == ["Country"]


def test_stored_labels_are_used_when_they_fit_else_the_names():
    assert labels_for(["a_b"], ["Stored"]) == ["Stored"]
    assert labels_for(["a_b"], None) == ["A b"]  # an answer stored before labels existed
    assert labels_for(["a_b", "c"], ["One"]) == ["A b", "C"]


def test_two_columns_never_share_a_label():
    # The query says whose name each is: named after its table.
    sql = "SELECT ar.Name, g.Name FROM Artist ar JOIN Genre g ON 1 = 1"
    assert column_labels(["Name", "Name"], ["Name", "Name"], sql=sql, dialect="sqlite") == [
        "Artist name",
        "Genre name",
    ]
    # No table to go by (an expression, or no SQL at all): numbered in order.
    assert column_labels(["name", "name", "name"]) == ["Name", "Name (2)", "Name (3)"]
    assert labels_for(["a", "b"], ["Total", "total"]) == ["Total", "total (2)"]
    # A table-named label already taken falls back to a number rather than a third clash.
    sql = "SELECT a.Name, a.Name FROM Artist a"
    assert column_labels(["Name", "Name"], ["Artist name", "Name"], sql=sql) == [
        "Artist name",
        "Name",
    ]
    # Both of one table: the first is named after it, the second is then unique as it is.
    assert column_labels(["x", "y"], ["Name", "Name"], sql=sql) == ["Artist name", "Name"]
