#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
printf '#!/bin/bash\nwc -w < "$1"\n' > wordcount.sh
chmod +x wordcount.sh
