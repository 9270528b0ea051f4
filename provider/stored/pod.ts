// The provider object the state of a pod names as `require("pulumi-yotta/provider/stored/pod")`.
import { dispatchingProvider } from "./calls";

export = dispatchingProvider("pod");
