from calaimfiles.commands import main

main()
