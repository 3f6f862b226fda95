"""Where the site keeps guide files and records, behind two interfaces: `files.GuideFiles` and
`records.Records`. The embedded default (a local folder and SQLite, no set-up) is in
`local_files` and `sqlite_*`; nothing outside this package sees a stored file's path or SQL."""
