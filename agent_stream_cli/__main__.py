"""`python -m agent_stream_cli` is the `agent-stream` console script."""

import sys

from agent_stream_cli.commands import main

sys.exit(main())
