from hpm.cli import main

main()
