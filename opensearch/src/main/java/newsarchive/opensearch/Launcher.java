package newsarchive.opensearch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.LogManager;
import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * Starts one OpenSearch node from the jars on the classpath (no distribution, no plugin
 * directories), for tests and development. scripts/opensearch runs it; see README.md.
 *
 * <pre>
 * java -cp 'target/opensearch-launcher-1.jar:target/lib/*' newsarchive.opensearch.Launcher \
 *     --name node-1 --home var/opensearch/node-1 [--data DIR] [--logs DIR] [--cluster newsarchive]
 *     [--http-port 9200] [--transport-port 9300] [--seed-hosts 127.0.0.1:9301,...]
 *     [--initial-nodes n1,n2] [-E any.setting=value ...]
 * </pre>
 *
 * Each option may also come as a system property, launcher.OPTION (-Dlauncher.http-port=9200).
 * Without --seed-hosts the node is a single-node cluster. Data go to HOME/data, and the node logs
 * to stdout (the script sends it to HOME/logs/opensearch.log). SIGTERM closes the node.
 */
public final class Launcher {

    private static final List<String> OPTIONS = List.of("--name", "--home", "--data", "--logs", "--cluster",
        "--http-port", "--transport-port", "--seed-hosts", "--initial-nodes");

    /** The plugins a distribution loads from its modules/ directory, here from the classpath. */
    private static final Collection<Class<? extends Plugin>> PLUGINS = List.of(
        Netty4Plugin.class, // the HTTP and transport layers: without it a node has neither
        CommonAnalysisPlugin.class // analyzers and filters beyond standard: cjk_width, cjk_bigram, ...
    );

    /**
     * Node's constructor that takes classpath plugins is protected: it is meant for tests and
     * embedders, and this is one. Node.start() runs no bootstrap checks (vm.max_map_count, heap
     * size, file descriptors): those are Bootstrap's, which this launcher does not use, and neither
     * does it install a security manager or check for jar hell.
     */
    private static final class ClasspathNode extends Node {
        ClasspathNode(Environment environment) {
            super(environment, PLUGINS, true);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        Settings.Builder extra = Settings.builder();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-E") && i + 1 < args.length) {
                String[] kv = args[++i].split("=", 2);
                extra.put(kv[0], kv.length > 1 ? kv[1] : "");
            } else if (OPTIONS.contains(args[i]) && i + 1 < args.length) {
                options.put(args[i].substring(2), args[++i]);
            } else {
                System.err.println("not understood: " + args[i] + "; options: " + OPTIONS + " and -E setting=value");
                System.exit(2);
            }
        }
        String name = option(options, "name", "node-1");
        Path home = Path.of(option(options, "home", "var/opensearch/" + name)).toAbsolutePath();
        Path config = home.resolve("config");
        Files.createDirectories(config);

        Settings.Builder settings = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", option(options, "data", home.resolve("data").toString()))
            .put("path.logs", option(options, "logs", home.resolve("logs").toString()))
            .put("cluster.name", option(options, "cluster", "newsarchive"))
            .put("node.name", name)
            // Loopback only: nothing outside this machine reaches the node, and a node bound to
            // loopback stays in development mode (its bootstrap checks would only warn anyway).
            .put("network.host", "127.0.0.1")
            .put("http.port", option(options, "http-port", "9200"))
            .put("transport.port", option(options, "transport-port", "9300"))
            // A nearly full disk would otherwise stop shard allocation (85%) or make every index
            // read-only (95%), which on a developer's laptop looks like a bug in the tests.
            .put("cluster.routing.allocation.disk.threshold_enabled", false);
        String seedHosts = option(options, "seed-hosts", "");
        if (seedHosts.isEmpty()) {
            // Elects itself at once and never looks for other nodes.
            settings.put("discovery.type", "single-node");
        } else {
            settings.putList("discovery.seed_hosts", List.of(seedHosts.split(",")));
            // Only read when the cluster forms for the first time (empty data directories): the
            // cluster forms once all these nodes have found each other. A node restarted later
            // rejoins the cluster recorded in its data directory, whatever this says.
            String initialNodes = option(options, "initial-nodes", name);
            settings.putList("cluster.initial_cluster_manager_nodes", List.of(initialNodes.split(",")));
        }
        settings.put(extra.build());

        // OpenSearch configures log4j itself, from every log4j2.properties under the config
        // directory (and fails without one): ours logs to the console, which the script sends to
        // HOME/logs/opensearch.log. It also reads HOME/config/opensearch.yml, if there is one.
        try (InputStream in = Launcher.class.getResourceAsStream("/log4j2.properties")) {
            Files.copy(in, config.resolve("log4j2.properties"), StandardCopyOption.REPLACE_EXISTING);
        }
        LogConfigurator.registerErrorListener();
        Environment environment = InternalSettingsPreparer.prepareEnvironment(settings.build(), Map.of(), config, () -> name);
        LogConfigurator.setNodeName(name);
        LogConfigurator.configure(environment);

        Node node = new ClasspathNode(environment);
        CountDownLatch closed = new CountDownLatch(1);
        // SIGTERM (and SIGINT) run the shutdown hooks: close the node so that it leaves the cluster
        // and flushes its shards. (The JVM option -Dlog4j.shutdownHookEnabled=false keeps logging
        // alive until then.)
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(30, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                LogManager.getLogger(Launcher.class).error("closing the node failed", e);
            } finally {
                closed.countDown();
            }
        }, "opensearch-shutdown"));
        try {
            node.start();
        } catch (Exception e) {
            // A port in use, a data directory of another version, ...: said in the log, then exit.
            LogManager.getLogger(Launcher.class).error("the node did not start", e);
            System.exit(1);
        }
        // OpenSearch's threads are all daemons: keep the JVM up until the shutdown hook has run.
        closed.await();
    }

    private static String option(Map<String, String> options, String key, String fallback) {
        return options.getOrDefault(key, System.getProperty("launcher." + key, fallback));
    }
}
