import datetime as dt
from decimal import Decimal

from chat.presentation import DatabaseResult, chart_spec, merge_results


def test_same_shape_results_merge_with_a_database_column():
    merged = merge_results(
        [
            DatabaseResult("prod", ["country", "n"], [["DE", 3], ["FR", 2]]),
            DatabaseResult("backup", ["COUNTRY", "N"], [["DE", 3]]),
        ]
    )
    assert merged["columns"] == ["database", "country", "n"]
    assert merged["rows"] == [["prod", "DE", 3], ["prod", "FR", 2], ["backup", "DE", 3]]


def test_scalars_with_different_names_become_one_comparison():
    merged = merge_results(
        [DatabaseResult("pg", ["count"], [[59]]), DatabaseResult("ch", ["count()"], [[59]])]
    )
    assert merged == {
        "columns": ["database", "value"],
        "column_labels": ["Database", "Value"],
        "rows": [["pg", 59], ["ch", 59]],
    }


def test_results_whose_names_differ_but_labels_match_merge():
    # `n` on one database, `customer_count` on the other: both "Number of customers".
    merged = merge_results(
        [
            DatabaseResult(
                "prod", ["country", "n"], [["DE", 3]], ["Country", "Number of customers"]
            ),
            DatabaseResult("backup", ["Country", "customer_count"], [["DE", 2]]),
        ]
    )
    assert merged["columns"] == ["database", "country", "n"]
    assert merged["column_labels"] == ["Database", "Country", "Number of customers"]
    assert merged["rows"] == [["prod", "DE", 3], ["backup", "DE", 2]]


def test_scalars_with_one_label_keep_it():
    merged = merge_results(
        [
            DatabaseResult("pg", ["count"], [[59]], ["Number of customers"]),
            DatabaseResult("ch", ["count()"], [[46]], ["Number of customers"]),
        ]
    )
    assert merged["column_labels"] == ["Database", "Number of customers"]


def test_different_shapes_and_single_results_do_not_merge():
    assert (
        merge_results(
            [DatabaseResult("a", ["x", "y"], [[1, 2]]), DatabaseResult("b", ["z"], [[1], [2]])]
        )
        is None
    )
    assert merge_results([DatabaseResult("a", ["x"], [[1]])]) is None
    assert merge_results([DatabaseResult("a", ["x"], [[1]]), DatabaseResult("b", [], [])]) is None


def test_category_and_numbers_make_a_bar_chart():
    spec = chart_spec(
        ["genre", "tracks", "minutes"], [["Rock", 1297, Decimal("5.5")], ["Jazz", 130, None]]
    )
    assert spec["type"] == "bar" and spec["labels"] == ["Rock", "Jazz"]
    assert [d["label"] for d in spec["datasets"]] == ["Tracks", "Minutes"]  # human labels
    assert spec["x_title"] == "Genre" and spec["y_title"] == ""  # two series: no one y title
    assert spec["datasets"][1]["data"] == [5.5, None]


def test_dates_make_a_line_chart():
    spec = chart_spec(["month", "revenue"], [[dt.date(2024, 1, 1), 10], ["2024-02-01", "12.5"]])
    assert spec["type"] == "line" and spec["datasets"][0]["data"] == [10.0, 12.5]


def test_chart_series_and_axes_use_the_given_labels():
    spec = chart_spec(
        ["BillingCountry", "sum_value"],
        [["USA", 523.06], ["Canada", 303.96]],
        ["Country", "Revenue"],
    )
    assert spec["datasets"][0]["label"] == "Revenue"
    assert spec["x_title"] == "Country" and spec["y_title"] == "Revenue"


def test_shapes_without_a_chart():
    assert chart_spec(["n"], [[1], [2]]) is None  # no label column
    assert chart_spec(["a", "b"], [["x", 1]]) is None  # one row
    assert chart_spec(["a", "b", "c"], [["x", "y", 1], ["z", "w", 2]]) is None  # two labels
    assert chart_spec(["name", "email"], [["a", "b"], ["c", "d"]]) is None  # no numbers


def test_same_shapes_merge_whatever_the_aliases_under_the_first_results_labels():
    # Issue 14: `revenue` on one database, `sum_value` on another, same shape.
    merged = merge_results(
        [
            DatabaseResult("pg", ["country", "revenue"], [["USA", 523.06]], ["Country", "Revenue"]),
            DatabaseResult("lite", ["BillingCountry", "sum_value"], [["USA", "523.06"]]),
        ]
    )
    assert merged["columns"] == ["database", "country", "revenue"]
    assert merged["column_labels"] == ["Database", "Country", "Revenue"]
    assert merged["rows"] == [["pg", "USA", 523.06], ["lite", "USA", "523.06"]]
    # The page says the columns were matched by position, with the other's own labels.
    assert merged["renamed"] == {"lite": ["Billing country", "Total value"]}


def test_shapes_whose_kinds_differ_at_a_position_stay_separate():
    numbers_then_text = DatabaseResult("a", ["n", "name"], [[1, "x"]])
    text_then_numbers = DatabaseResult("b", ["name", "n2"], [["x", 1]])
    assert merge_results([numbers_then_text, text_then_numbers]) is None
    # Three columns against two never merge, whatever the names.
    assert merge_results([DatabaseResult("a", ["x", "y"], [[1, 2]]),
                          DatabaseResult("b", ["x", "y", "z"], [[1, 2, 3]])]) is None  # fmt: skip
    # A NULL column or an empty result fits any kind.
    merged = merge_results(
        [DatabaseResult("a", ["g", "v"], [["x", None]]), DatabaseResult("b", ["h", "w"], [])]
    )
    assert merged["rows"] == [["a", "x", None]]


def test_a_result_column_named_database_keeps_apart_from_the_database_column():
    merged = merge_results(
        [DatabaseResult("a", ["database"], [["x"], ["y"]]), DatabaseResult("b", ["db"], [["z"]])]
    )
    assert merged["column_labels"] == ["Database", "Database (2)"]
