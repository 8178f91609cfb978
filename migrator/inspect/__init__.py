"""``migrator inspect``: what an export holds, so a user can write its mapping."""
