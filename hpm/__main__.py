from hpm.cli import main

main(prog_name="hpm")
