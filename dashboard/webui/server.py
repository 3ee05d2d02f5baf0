"""The dashboard server at the path the rl block's tools look for; the code is `swerl.dashboard.server`.

    python dashboard/webui/server.py --root RUN_ROOT --port 8090
"""

from swerl.dashboard.server import main

if __name__ == "__main__":
    main()
