"""Write services of the sharing kernel: items, their publication, references and files.

Each takes the acting user, owns its transaction, validates, leaves an audit trail and
schedules side effects after commit."""
