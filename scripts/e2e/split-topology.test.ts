/**
 * The split topology in embedded mode (every process on one DATA_DIR, SQLite in WAL mode): runs
 * in plain `npm test`. The same suite on the production stack is split-topology.services.test.ts.
 */
import { describeSplitTopology } from "./split-topology.suite.ts";

describeSplitTopology("split topology, embedded (six server processes and a worker on one DATA_DIR)", {});
