@main struct Bench { static func main() { print("usage: dcmms-bench") } }
