// The provider object the state of a volume names as `require("pulumi-yotta/provider/stored/volume")`.
import { dispatchingProvider } from "./calls";

export = dispatchingProvider("volume");
