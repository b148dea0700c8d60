"""Engine v2: "Show each X and the number of Y" read as the number of Y for each X, checked on
the rows it returns (the school database of test_engine_v2_reading)."""

from __future__ import annotations

import pytest

from .test_engine_v2_reading import ask, check, school  # noqa: F401

CITY = "SELECT city, COUNT(*) FROM Student GROUP BY city"
DEPT = (
    "SELECT d.DName, COUNT(*) FROM Student s JOIN Department d ON s.DNO = d.DNO "
    "GROUP BY d.DNO, d.DName"
)


@pytest.mark.parametrize(
    "question, gold",
    [
        ("Show each city and the number of students there.", CITY),
        ("Show each city and the number of students.", CITY),
        ("Show each city and the number of students in that city.", CITY),
        ("Show different cities of students and the number of students with each city.", CITY),
        ("List the city of students and the number of students for each city.", CITY),
        ("Show the names of departments and the number of students in each department.", DEPT),
        ("Give the name of each department and the number of students in each.", DEPT),
        (
            "Show the name of each department along with the corresponding number of students "
            "from that department.",
            DEPT,
        ),
        ("Show each city and the corresponding number of students in that city.", CITY),
        ("Please show each city and the corresponding number of students in that city.", CITY),
        (
            "Show the DNO of each department and the number of courses in that department.",
            "SELECT DNO, COUNT(*) FROM courses GROUP BY DNO",
        ),
        ("Show different cities of students together with the number of students.", CITY),
        ("Show different cities together with the number of students they have.", CITY),
        (
            "Show the names of departments and the average age of students from each department.",
            "SELECT d.DName, AVG(s.age) FROM Student s JOIN Department d ON s.DNO = d.DNO "
            "GROUP BY d.DNO, d.DName",
        ),
        (
            "Show each city and the maximum age of students in that city.",
            "SELECT city, MAX(age) FROM Student GROUP BY city",
        ),
        (
            "Show each city and the number of students in that city sorted by the number of "
            "students in descending order.",
            CITY + " ORDER BY COUNT(*) DESC",
        ),
    ],
)
def test_each_group_and_the_number_of(school, question, gold):  # noqa: F811
    check(school, question, gold)


@pytest.mark.parametrize(
    "question",
    [
        # the counted rows do not carry the group: a join path nobody named
        "Show each city and the number of courses.",
        # a column of each department that is not its key: per department, not per building
        "Show the building of each department and the number of courses in that department.",
        # something after the count that is not the group said again
        "Show each city and the number of students older than 20 in Physics.",
    ],
)
def test_each_group_and_the_number_of_left_alone(school, question):  # noqa: F811
    assert ask(school, question).sql is None
