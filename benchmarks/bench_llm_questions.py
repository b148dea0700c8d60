"""Questions on Chinook (SQLite) with gold SQL, beyond chat/eval/chinook_questions.yaml: entities
named by value (an artist, a customer's first name, a playlist, a media type), columns named
by a word of theirs (billing city, fax, postal code, bytes), and long join paths. Used by
bench_llm_context.py for context recall and end-to-end delivery with a scripted model."""

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
