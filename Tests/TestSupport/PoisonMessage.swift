import Postgres

/// A trigger in the test's schema that refuses to insert a message whose `mid` is `poison`.
/// Decoding screens out what Postgres cannot store, so this is how a test gets an unforeseen
/// database error in the middle of an ingest batch.
public enum PoisonMessage {
    public static let mid = "poison"

    public static func install(on connection: PostgresConnection) throws {
        try connection.execute(
            script: """
                CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.mid = '\(mid)' THEN RAISE EXCEPTION 'poisoned row' USING ERRCODE = '22023'; END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER refuse_poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_poison();
                """)
    }
}
