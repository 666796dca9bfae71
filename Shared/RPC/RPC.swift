/// The dCMMS RPC: server, client, interceptors, authentication, over NetworkIO.
package enum RPCNamespace {}
