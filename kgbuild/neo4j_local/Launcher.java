import java.nio.file.Path;
import java.util.Map;

import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.QueryExecutionException;

/**
 * Runs an embedded Neo4j Community DBMS until it is terminated.
 * Usage: java Launcher.java HOME CONF. CONF holds the neo4j.conf keys (connectors, memory) written by launcher.py.
 * The password of user "neo4j" comes from the environment variable NEO4J_PASSWORD and is applied at every start.
 */
public class Launcher {
    public static void main(String[] args) {
        String password = System.getenv("NEO4J_PASSWORD");
        if (password == null || password.length() < 8) {
            fail("NEO4J_PASSWORD must be set (at least 8 characters)", 2);
        }
        DatabaseManagementService dbms = null;
        try {
            dbms = new DatabaseManagementServiceBuilder(Path.of(args[0]).toAbsolutePath())
                    .loadPropertiesFromFile(Path.of(args[1]).toAbsolutePath())
                    .build();
            setPassword(dbms, password);
        } catch (RuntimeException e) {
            if (dbms != null) {
                dbms.shutdown();
            }
            fail(causeChain(e), 1);
        }
        DatabaseManagementService running = dbms;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.shutdown();
            System.out.println("kgbuild-neo4j STOPPED");
        }));
        System.out.println("kgbuild-neo4j READY");
        System.out.flush();
    }

    private static void setPassword(DatabaseManagementService dbms, String password) {
        try {
            dbms.database("system").executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        } catch (QueryExecutionException e) {
            // A restart with an unchanged password: Neo4j refuses to "change" it, and nothing needs doing.
            if (!e.getMessage().contains("cannot be the same")) {
                throw e;
            }
        }
    }

    private static void fail(String message, int status) {
        System.out.println("kgbuild-neo4j FAILED: " + message);
        System.out.flush();
        System.exit(status);
    }

    private static String causeChain(Throwable e) {
        StringBuilder message = new StringBuilder(e.toString());
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            message.append(" <- ").append(cause);
        }
        return message.toString();
    }
}
