using Pipeline.Build;
using Pipeline.Build.Engine;

return await PipelineBuild.Execute<Build>(args);
