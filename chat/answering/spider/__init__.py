"""The spider-train generalisation benchmark (issue 11): 133 small databases from many domains
with 6,434 questions and MySQL gold SQL, loaded into SQLite (or MariaDB / PostgreSQL), asked
through the product's own pipeline and graded by chat.answering.evaluation."""
