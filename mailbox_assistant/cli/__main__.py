"""`python -m mailbox_assistant.cli`: the same command as the `mailbox-assistant` script."""

import sys

from mailbox_assistant.cli import main

sys.exit(main())
