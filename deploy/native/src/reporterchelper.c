/* The two JNI functions the native-image builder loads from libreporterchelper.so for its progress
 * report (terminal width, peak RSS). GraalVM ships this library; the Maven Central jars do not. */
#include <jni.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

JNIEXPORT jint JNICALL Java_com_oracle_svm_hosted_ProgressReporterCHelper_getTerminalWindowColumns0(JNIEnv *env, jclass c) {
  struct winsize w;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0) return w.ws_col;
  return 0;
}

JNIEXPORT jlong JNICALL Java_com_oracle_svm_hosted_ProgressReporterCHelper_getPeakRSS0(JNIEnv *env, jclass c) {
  struct rusage r;
  if (getrusage(RUSAGE_SELF, &r) == 0) return (jlong) r.ru_maxrss * 1024;
  return -1;
}
