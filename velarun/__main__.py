from velarun.cli import main

main()
