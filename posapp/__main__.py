from posapp.cli import main

raise SystemExit(main())
