"""Tables, the engine, migrations and the SQL helpers every domain's queries use."""
