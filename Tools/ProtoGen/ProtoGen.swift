@main struct ProtoGen { static func main() { print("usage: dcmms-protogen") } }
